-- Nexmark q18, find last bid: the latest bid of each (bidder, auction), as (auction, bidder,
-- price, channel, url, date_time, extra). Among bids with the same date_time, the one with the
-- highest price, then the greatest channel, url and extra (bytewise) is the latest, as in
-- examples/nexmark/q18.mstr. Channels, urls and extras hold no comma, quote or newline, so
-- the CSV sink writes them unquoted, as this query does.
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction
                                 ORDER BY date_time DESC, price DESC, channel DESC, url DESC,
                                          extra DESC) AS rank_number
    FROM bid
)
WHERE rank_number = 1
ORDER BY auction, bidder, price, channel, url, date_time, extra;
