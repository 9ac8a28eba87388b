-- Supervisors filter by state and page in vaccination order: without this, listing the few
-- quarantined records scans the whole queue.
CREATE INDEX records_by_state_time ON records (state, vaccinated_at_ms);
