CREATE TABLE fine (id int);
INSERT INTO no_such_table VALUES (1);
