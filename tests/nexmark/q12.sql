-- Nexmark q12 counts each bidder's bids per 10 s window of processing time: which window holds
-- a bid depends on the run, so SQL gives what every run agrees on, the bids per bidder
-- (bidder, bid_count); tests/e2e/nexmark_queries.sh sums q12's windows per bidder to compare.
SELECT bidder, COUNT(*)
FROM bid
GROUP BY bidder
ORDER BY 1, 2;
