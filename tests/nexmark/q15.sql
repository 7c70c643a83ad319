-- Nexmark q15, bidding statistics report: per day (UTC, 'YYYY-MM-DD'), as (day, total_bids,
-- rank1_bids, rank2_bids, rank3_bids, total_bidders, rank1_bidders, rank2_bidders,
-- rank3_bidders, total_auctions, rank1_auctions, rank2_auctions, rank3_auctions): the number
-- of bids, of distinct bidders and of distinct auctions, in all and among the bids with price
-- < 10000 (rank1), 10000 <= price < 1000000 (rank2) and price >= 1000000 (rank3).
SELECT date(date_time / 1000, 'unixepoch') AS day, COUNT(*),
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
GROUP BY day
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13;
