-- Nexmark q0, pass-through: every bid as (auction, bidder, price, date_time).
SELECT auction, bidder, price, date_time
FROM bid
ORDER BY auction, bidder, price, date_time;
