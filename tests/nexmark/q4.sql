-- Nexmark q4, average price for a category: the winning bid of an auction is its highest
-- bid among the bids with auction.date_time <= bid.date_time <= auction.expires (both ends
-- included, as Nexmark's BETWEEN); auctions without such a bid have no winner. Output
-- (category, average winning price) over the auctions of each category that have a winner.
-- The average is an integer, truncated (SUM / COUNT in integer arithmetic), as Flink's AVG
-- of a BIGINT column gives in the Nexmark suite.
SELECT category, SUM(final) / COUNT(*) AS average
FROM (
    SELECT A.id, A.category AS category, MAX(B.price) AS final
    FROM auction AS A
    JOIN bid AS B ON B.auction = A.id
    WHERE B.date_time BETWEEN A.date_time AND A.expires
    GROUP BY A.id, A.category
)
GROUP BY category
ORDER BY category, average;
