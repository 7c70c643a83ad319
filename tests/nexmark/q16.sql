-- Nexmark q16, channel statistics report: q15 per channel and day (UTC, 'YYYY-MM-DD'), with the
-- latest minute ('HH:MM', UTC) of a bid in that day, as (channel, day, minute, total_bids,
-- rank1_bids, rank2_bids, rank3_bids, total_bidders, rank1_bidders, rank2_bidders,
-- rank3_bidders, total_auctions, rank1_auctions, rank2_auctions, rank3_auctions). Channels
-- hold no comma, quote or newline, so the CSV sink writes them unquoted, as this query does.
SELECT channel, date(date_time / 1000, 'unixepoch') AS day,
    strftime('%H:%M', MAX(date_time) / 1000, 'unixepoch'), COUNT(*),
    COUNT(*) FILTER (WHERE price < 10000),
    COUNT(*) FILTER (WHERE price >= 10000 AND price < 1000000),
    COUNT(*) FILTER (WHERE price >= 1000000),
    COUNT(DISTINCT bidder),
    COUNT(DISTINCT bidder) FILTER (WHERE price < 10000),
    COUNT(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000),
    COUNT(DISTINCT bidder) FILTER (WHERE price >= 1000000),
    COUNT(DISTINCT auction),
    COUNT(DISTINCT auction) FILTER (WHERE price < 10000),
    COUNT(DISTINCT auction) FILTER (WHERE price >= 10000 AND price < 1000000),
    COUNT(DISTINCT auction) FILTER (WHERE price >= 1000000)
FROM bid
GROUP BY channel, day
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15;
