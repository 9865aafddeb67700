CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX audit_events_by_seq ON audit_events (seq);
