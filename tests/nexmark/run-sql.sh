#!/usr/bin/env bash
# Runs a reference Nexmark query on CSV tables with sqlite3 and prints its rows as CSV.
#
#   tests/nexmark/run-sql.sh DIR QUERY      e.g.  tests/nexmark/run-sql.sh /tmp/nx q5
#
# Loads DIR/person.csv, DIR/auction.csv and DIR/bid.csv (those that exist; a missing one is
# an empty table) into an in-memory database, then runs tests/nexmark/QUERY.sql. Each file
# has a header row; columns are matched to the table's fields by name (extra columns are
# ignored, a missing one is an error). Values are stored with the fields' types (INTEGER for
# the numbers) so that comparisons, MAX and ORDER BY are numeric. Output: CSV rows, no header.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 DIR QUERY" >&2
    exit 2
fi
dir=$1
query=${2%.sql}
here=$(cd "$(dirname "$0")" && pwd)
sql=$here/$query.sql
if [ ! -f "$sql" ]; then
    echo "run-sql: no query $sql" >&2
    exit 2
fi
if [ ! -d "$dir" ]; then
    echo "run-sql: $dir: not a directory" >&2
    exit 2
fi

# Checklist: these columns are the fields of the built-in types Person, Auction and Bid
# (docs/language.md, "Nexmark"), in order.
person_cols="id,name,email_address,credit_card,city,state,date_time,extra"
auction_cols="id,item_name,description,initial_bid,reserve,date_time,expires,seller,category,extra"
bid_cols="auction,bidder,price,channel,url,date_time,extra"

{
    cat <<'SQL'
CREATE TABLE person (id INTEGER, name TEXT, email_address TEXT, credit_card TEXT, city TEXT,
                     state TEXT, date_time INTEGER, extra TEXT);
CREATE TABLE auction (id INTEGER, item_name TEXT, description TEXT, initial_bid INTEGER,
                      reserve INTEGER, date_time INTEGER, expires INTEGER, seller INTEGER,
                      category INTEGER, extra TEXT);
CREATE TABLE bid (auction INTEGER, bidder INTEGER, price INTEGER, channel TEXT, url TEXT,
                  date_time INTEGER, extra TEXT);
SQL
    for table in person auction bid; do
        file=$dir/$table.csv
        [ -f "$file" ] || continue
        case $file in
            *'"'*) echo "run-sql: $file: a path with a double quote is not supported" >&2; exit 2 ;;
        esac
        cols_var=${table}_cols
        cols=${!cols_var}
        # Import as text under the header's names, then copy by name into the typed table.
        echo ".import --csv \"$file\" raw_$table"
        echo "INSERT INTO $table ($cols) SELECT $cols FROM raw_$table;"
        echo "DROP TABLE raw_$table;"
    done
    echo ".mode list"
    echo ".separator , \"\\n\""
    echo ".headers off"
    echo ".read \"$sql\""
} | sqlite3 -bail :memory:
