-- Nexmark q3, local item suggestion: auctions in category 10 whose seller lives in Oregon,
-- Idaho or California, joined with the seller (no window: every auction with every person),
-- as (name, city, state, auction id).
-- Strings are written as the Malstrom-C CSV sink writes them: in double quotes (inner quotes
-- doubled) only if they contain a comma, a double quote, CR or LF.
SELECT
    CASE WHEN name GLOB '*[,"' || char(13) || char(10) || ']*'
         THEN '"' || replace(name, '"', '""') || '"' ELSE name END,
    CASE WHEN city GLOB '*[,"' || char(13) || char(10) || ']*'
         THEN '"' || replace(city, '"', '""') || '"' ELSE city END,
    CASE WHEN state GLOB '*[,"' || char(13) || char(10) || ']*'
         THEN '"' || replace(state, '"', '""') || '"' ELSE state END,
    auction_id
FROM (
    SELECT P.name AS name, P.city AS city, P.state AS state, A.id AS auction_id
    FROM auction AS A
    JOIN person AS P ON A.seller = P.id
    WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')
)
ORDER BY name, city, state, auction_id;
