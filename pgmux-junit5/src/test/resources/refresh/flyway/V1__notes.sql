CREATE TABLE note (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO note VALUES (1, 'from flyway');
