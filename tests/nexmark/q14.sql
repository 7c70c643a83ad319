-- Nexmark q14, calculation with a user function: the bids with 1,000,000 < price * 0.908 <
-- 50,000,000, as (auction, bidder, price in euros, bid_time_type, date_time, extra, c_counts).
-- As q1, the bounds are tested exactly (price * 908 against 1000 times each) and the price
-- written is price * 908 / 1000 truncated. bid_time_type is 'dayTime' for hours 8 to 18 of
-- the UTC day, 'nightTime' for hours up to 6 and from 20, 'otherTime' else (date_time is never
-- negative). c_counts is the number of 'c' in extra. extra holds only lower-case letters and
-- spaces, so the CSV sink writes it unquoted, as this query does.
SELECT auction, bidder, price * 908 / 1000,
    CASE WHEN date_time / 3600000 % 24 BETWEEN 8 AND 18 THEN 'dayTime'
         WHEN date_time / 3600000 % 24 <= 6 OR date_time / 3600000 % 24 >= 20 THEN 'nightTime'
         ELSE 'otherTime' END,
    date_time, extra, length(extra) - length(replace(extra, 'c', ''))
FROM bid
WHERE price * 908 > 1000000000 AND price * 908 < 50000000000
ORDER BY 1, 2, 3, 4, 5, 6, 7;
