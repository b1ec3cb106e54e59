-- A realistic tenant schema for refresh tests and benchmarks: 30 tables in a chain of foreign
-- keys, each with a primary key, two secondary indexes, a check constraint and 200 seed rows
-- (6 000 in all), plus a view and a function.
CREATE TABLE customer (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customer (name, email)
SELECT 'customer ' || i, 'customer' || i || '@example.com' FROM generate_series(1, 200) AS i;
DO $$
DECLARE
  t int;
BEGIN
  FOR t IN 1..29 LOOP
    EXECUTE format(
      'CREATE TABLE entity_%1$s ('
      || ' id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'
      || ' customer_id bigint NOT NULL REFERENCES customer (id),'
      || ' parent_id bigint %2$s,'
      || ' code text NOT NULL,'
      || ' status text NOT NULL DEFAULT ''open'' CHECK (status IN (''open'', ''closed'', ''void'')),'
      || ' amount numeric(12, 2) NOT NULL DEFAULT 0,'
      || ' attributes jsonb NOT NULL DEFAULT ''{}'','
      || ' created_at timestamptz NOT NULL DEFAULT now(),'
      || ' UNIQUE (customer_id, code))',
      t,
      CASE WHEN t > 1 THEN format('REFERENCES entity_%s (id)', t - 1) ELSE '' END);
    EXECUTE format('CREATE INDEX entity_%1$s_status ON entity_%1$s (status, created_at)', t);
    EXECUTE format('CREATE INDEX entity_%1$s_parent ON entity_%1$s (parent_id)', t);
    EXECUTE format(
      'INSERT INTO entity_%1$s (customer_id, parent_id, code, amount, attributes)'
      || ' SELECT 1 + (i %% 200), %2$s, ''E%1$s-'' || i, i * 1.5,'
      || ' jsonb_build_object(''n'', i, ''tag'', ''t'' || (i %% 7))'
      || ' FROM generate_series(1, 200) AS i',
      t,
      CASE WHEN t > 1 THEN 'i' ELSE 'NULL' END);
  END LOOP;
END
$$;
CREATE VIEW open_amounts AS
SELECT customer_id, sum(amount) AS total FROM entity_1 WHERE status = 'open' GROUP BY customer_id;
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM customer $$;
ANALYZE;
