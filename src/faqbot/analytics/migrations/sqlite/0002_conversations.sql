-- A question may belong to a conversation: its id and the question's turn in it (both optional).
ALTER TABLE questions ADD COLUMN conversation_id TEXT;
ALTER TABLE questions ADD COLUMN turn INTEGER;
