-- Nexmark q8, monitor new users: tumbling windows of 10 s, [k*10000, (k+1)*10000) ms. The
-- persons who registered and also opened at least one auction (as its seller) in the same
-- window, once per person and window, as (window_end, person id, name).
-- Strings are written as the Malstrom-C CSV sink writes them (see q3.sql).
WITH
    persons AS (
        SELECT date_time - ((date_time % 10000) + 10000) % 10000 + 10000 AS window_end,
               id, name
        FROM person
    ),
    sellers AS (
        SELECT DISTINCT date_time - ((date_time % 10000) + 10000) % 10000 + 10000 AS window_end,
               seller
        FROM auction
    )
SELECT DISTINCT persons.window_end, persons.id,
    CASE WHEN persons.name GLOB '*[,"' || char(13) || char(10) || ']*'
         THEN '"' || replace(persons.name, '"', '""') || '"' ELSE persons.name END
FROM persons
JOIN sellers ON sellers.seller = persons.id AND sellers.window_end = persons.window_end
ORDER BY persons.window_end, persons.id, persons.name;
