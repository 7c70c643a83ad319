-- Nexmark q9, winning bids: each auction with its highest bid among those with
-- auction.date_time <= bid.date_time <= auction.expires; among equal prices the earliest bid,
-- then the lowest bidder (examples/nexmark/q9.mstr says why). Auctions without such a bid
-- have no row. Columns as q9.mstr writes them.
SELECT id, item_name, initial_bid, reserve, date_time, expires, seller, category, bidder, price,
       bid_date_time
FROM (
    SELECT A.id, A.item_name, A.initial_bid, A.reserve, A.date_time, A.expires, A.seller,
           A.category, B.bidder, B.price, B.date_time AS bid_date_time,
           ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC,
                                                       B.bidder ASC) AS rownum
    FROM auction AS A
    JOIN bid AS B ON B.auction = A.id
    WHERE B.date_time BETWEEN A.date_time AND A.expires
)
WHERE rownum = 1
ORDER BY id;
