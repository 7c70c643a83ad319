-- Nexmark q1, currency conversion: each bid with its price in euros, price * 0.908, as
-- (auction, bidder, price, date_time).
-- The converted price is an integer, truncated: computed exactly as price * 908 / 1000 in
-- integer arithmetic (prices are positive, so this is trunc(price * 0.908) of the exact
-- product; a double computation of price * 0.908 can land just below an exact integer and
-- truncate one too low). The Malstrom-C q1 pipeline computes it the same way.
SELECT auction, bidder, price * 908 / 1000 AS price, date_time
FROM bid
ORDER BY auction, bidder, price, date_time;
