-- Nexmark q5, hot items: sliding windows of 10 s every 2 s, [k*2000, k*2000 + 10000) ms; a
-- bid is in every window that contains its date_time (five of them). For each window, the
-- number of bids per auction, and the auction(s) with the most bids (all of them on a tie),
-- as (window_end, auction, count). Windows without bids do not appear.
WITH
    slide(j) AS (VALUES (0), (1), (2), (3), (4)),
    -- the latest window start at or before date_time (floor, also for negative times)
    latest AS (
        SELECT auction, date_time - ((date_time % 2000) + 2000) % 2000 AS start
        FROM bid
    ),
    counts AS (
        SELECT latest.start - slide.j * 2000 + 10000 AS window_end, auction, COUNT(*) AS num
        FROM latest CROSS JOIN slide
        GROUP BY window_end, auction
    ),
    best AS (
        SELECT window_end, MAX(num) AS num FROM counts GROUP BY window_end
    )
SELECT counts.window_end, counts.auction, counts.num
FROM counts JOIN best ON counts.window_end = best.window_end AND counts.num = best.num
ORDER BY counts.window_end, counts.auction, counts.num;
