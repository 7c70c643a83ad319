-- Nexmark q19, auction top-10 price: the 10 highest bids of each auction, as (auction, bidder,
-- price, channel, url, date_time, extra, rank_number), rank 1 the highest. Bids of the same
-- price rank by date_time, earliest first, then bidder, lowest first, then channel, url and
-- extra (bytewise), smallest first, as in examples/nexmark/q19.mstr. Channels, urls and extras
-- hold no comma, quote or newline, so the CSV sink writes them unquoted, as this query does.
SELECT auction, bidder, price, channel, url, date_time, extra, rank_number
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY auction
                                 ORDER BY price DESC, date_time, bidder, channel, url,
                                          extra) AS rank_number
    FROM bid
)
WHERE rank_number <= 10
ORDER BY auction, bidder, price, channel, url, date_time, extra, rank_number;
