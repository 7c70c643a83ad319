-- Nexmark q11, user sessions: per bidder, its sessions, as (bidder, bid_count, starttime,
-- endtime). A bid starts a new session unless it comes less than 10 s (10000 ms) after the
-- bidder's previous bid; a session spans [its first bid's date_time, its last one's + 10000).
WITH
    gaps AS (
        SELECT bidder, date_time,
               CASE WHEN date_time - LAG(date_time) OVER (PARTITION BY bidder ORDER BY date_time)
                         < 10000 THEN 0 ELSE 1 END AS starts_session
        FROM bid
    ),
    sessions AS (
        SELECT bidder, date_time,
               SUM(starts_session) OVER (PARTITION BY bidder ORDER BY date_time
                                         ROWS UNBOUNDED PRECEDING) AS session
        FROM gaps
    )
SELECT bidder, COUNT(*), MIN(date_time), MAX(date_time) + 10000
FROM sessions
GROUP BY bidder, session
ORDER BY 1, 2, 3, 4;
