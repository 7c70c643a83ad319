-- Nexmark q21, add a channel id: each bid as (auction, bidder, price, channel, channel_id),
-- where channel_id is '0', '1', '2' or '3' for the channels apple, google, facebook and baidu
-- (in any case), and otherwise the value of the url's first channel_id parameter, as
-- REGEXP_EXTRACT(url, '(&|^|\?)channel_id=([^&]*)', 2): "channel_id=" at the start of the url
-- or after its first '?' or '&' that starts one, up to the next '&' or the end. Bids whose
-- channel_id is missing or empty are left out. Channels and urls hold no comma, quote or
-- newline, so the CSV sink writes them unquoted, as this query does.
WITH
    found AS (
        SELECT *, instr(url, '?channel_id=') AS q, instr(url, '&channel_id=') AS a
        FROM bid
    ),
    -- rest: the url after the first "channel_id=" that the pattern matches, or NULL
    param AS (
        SELECT *,
            CASE WHEN substr(url, 1, 11) = 'channel_id=' THEN substr(url, 12)
                 WHEN q = 0 AND a = 0 THEN NULL
                 WHEN q = 0 OR (a > 0 AND a < q) THEN substr(url, a + 12)
                 ELSE substr(url, q + 12) END AS rest
        FROM found
    ),
    ids AS (
        SELECT auction, bidder, price, channel,
            CASE lower(channel) WHEN 'apple' THEN '0' WHEN 'google' THEN '1'
                 WHEN 'facebook' THEN '2' WHEN 'baidu' THEN '3'
                 ELSE CASE WHEN instr(rest, '&') = 0 THEN rest
                           ELSE substr(rest, 1, instr(rest, '&') - 1) END
            END AS channel_id
        FROM param
    )
SELECT auction, bidder, price, channel, channel_id
FROM ids
WHERE channel_id <> ''
ORDER BY auction, bidder, price, channel, channel_id;
