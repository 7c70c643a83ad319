-- Nexmark q13, bounded side input join: each bid with the value of the side table's row whose
-- key is auction % 10000, as (auction, bidder, price, date_time, value). The side table holds
-- the rows (i, 'i') for i from 0 to 9999, as Nexmark's SideInputGenerator writes it and
-- examples/nexmark/q13.mstr makes it from range(0, 10000).
WITH RECURSIVE
    side_input(key, value) AS (
        SELECT 0, '0'
        UNION ALL
        SELECT key + 1, CAST(key + 1 AS TEXT) FROM side_input WHERE key < 9999
    )
SELECT bid.auction, bid.bidder, bid.price, bid.date_time, side_input.value
FROM bid JOIN side_input ON bid.auction % 10000 = side_input.key
ORDER BY 1, 2, 3, 4, 5;
