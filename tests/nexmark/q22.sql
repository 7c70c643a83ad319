-- Nexmark q22, get URL directories: each bid as (auction, bidder, price, channel, dir1, dir2,
-- dir3), the dirs being parts 3, 4 and 5 (from 0) of the url split at every '/' (empty parts
-- kept: "https://host/a" is "https:", "", "host", "a"); a part the url lacks is empty.
-- Channels and urls hold no comma, quote or newline, so the CSV sink writes them unquoted, as
-- this query does.
WITH RECURSIVE
    -- part i of each bid's url (i from 0), and what follows it; url || '/' ends the last part
    parts(id, i, part, rest) AS (
        SELECT rowid, -1, NULL, url || '/' FROM bid
        UNION ALL
        SELECT id, i + 1, substr(rest, 1, instr(rest, '/') - 1), substr(rest, instr(rest, '/') + 1)
        FROM parts
        WHERE rest <> '' AND i < 5
    ),
    dirs AS (
        SELECT id, max(CASE i WHEN 3 THEN part END) AS dir1,
               max(CASE i WHEN 4 THEN part END) AS dir2, max(CASE i WHEN 5 THEN part END) AS dir3
        FROM parts
        GROUP BY id
    )
SELECT auction, bidder, price, channel, dir1, dir2, dir3
FROM bid JOIN dirs ON dirs.id = bid.rowid
ORDER BY auction, bidder, price, channel, dir1, dir2, dir3;
