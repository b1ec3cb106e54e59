CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
INSERT INTO orders SELECT i, 'item ' || i FROM generate_series(1, 100) AS i;
