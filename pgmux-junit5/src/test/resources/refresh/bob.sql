CREATE TABLE customer_note (id int PRIMARY KEY);
INSERT INTO customer_note VALUES (1);
