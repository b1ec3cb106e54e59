CREATE TABLE IF NOT EXISTS invoice (
  id       bigserial PRIMARY KEY,
  customer text      NOT NULL,
  amount   numeric(12, 2) NOT NULL CHECK (amount >= 0)
);
