-- Runs once in each embedded server of HandleIT, in template1, before the routes' databases exist.
CREATE ROLE reporting NOLOGIN;
CREATE TABLE seeded (id int PRIMARY KEY, note text);
INSERT INTO seeded VALUES (1, 'from the init script');
GRANT SELECT ON seeded TO PUBLIC;
CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;
