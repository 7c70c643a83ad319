-- Nexmark q17, auction statistics report: per auction and day (UTC, 'YYYY-MM-DD'), as
-- (auction, day, total_bids, rank1_bids, rank2_bids, rank3_bids, min_price, max_price,
-- avg_price, sum_price): the number of bids, of bids with price < 10000, 10000 <= price <
-- 1000000 and price >= 1000000, and the lowest, highest, average and total price. The average
-- is an integer, truncated (SUM / COUNT), as Flink's AVG of a BIGINT column gives it.
SELECT auction, date(date_time / 1000, 'unixepoch') AS day, COUNT(*),
    SUM(price < 10000), SUM(price >= 10000 AND price < 1000000), SUM(price >= 1000000),
    MIN(price), MAX(price), SUM(price) / COUNT(*), SUM(price)
FROM bid
GROUP BY auction, day
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
