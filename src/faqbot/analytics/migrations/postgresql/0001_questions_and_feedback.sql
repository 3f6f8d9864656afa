-- The question log and feedback. Times are seconds since the epoch, as in the SQLite log
-- (to_timestamp("time") reads them as timestamps).
CREATE TABLE questions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "time" DOUBLE PRECISION NOT NULL,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,
    answered BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    top_source TEXT,
    answer_id TEXT NOT NULL UNIQUE,
    latency_ms DOUBLE PRECISION NOT NULL,
    index_version TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX questions_time ON questions ("time");
CREATE TABLE feedback (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "time" DOUBLE PRECISION NOT NULL,
    answer_id TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT
);
CREATE INDEX feedback_answer ON feedback (answer_id);
CREATE INDEX feedback_time ON feedback ("time");
