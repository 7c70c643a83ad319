-- Nexmark q7, highest bid: tumbling windows of 10 s, [k*10000, (k+1)*10000) ms. For each
-- window, the bid(s) with the highest price in it (every one of them on a tie), as
-- (window_end, auction, price, bidder). Windows without bids do not appear.
WITH
    windowed AS (
        SELECT date_time - ((date_time % 10000) + 10000) % 10000 + 10000 AS window_end,
               auction, price, bidder
        FROM bid
    ),
    best AS (
        SELECT window_end, MAX(price) AS price FROM windowed GROUP BY window_end
    )
SELECT windowed.window_end, windowed.auction, windowed.price, windowed.bidder
FROM windowed JOIN best ON windowed.window_end = best.window_end AND windowed.price = best.price
ORDER BY windowed.window_end, windowed.auction, windowed.price, windowed.bidder;
