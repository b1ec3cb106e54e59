ALTER TABLE invoice ADD COLUMN status text NOT NULL DEFAULT 'open'
  CHECK (status IN ('open', 'paid'));
