-- Nexmark q20, expand bid with auction: every bid on an auction of category 10 with the
-- auction's columns, without the long texts (examples/nexmark/q20.mstr says which).
SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.date_time, A.item_name, A.initial_bid,
       A.reserve, A.date_time, A.expires, A.seller, A.category
FROM bid AS B
JOIN auction AS A ON B.auction = A.id
WHERE A.category = 10
ORDER BY B.auction, B.bidder, B.date_time;
