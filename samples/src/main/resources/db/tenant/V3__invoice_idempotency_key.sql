-- The client makes up a key for each invoice it means to create and sends it with every try: when
-- an answer is lost, the key finds the invoice that was written instead of writing it again.
ALTER TABLE invoice ADD COLUMN idempotency_key uuid UNIQUE;
