-- A tablet that takes over from a lost or restored one. Its activation code names the device
-- it replaces; on enrolment that device is revoked, and the new one may upload the records the
-- old one made (a restored queue's records keep their maker). One successor per device.
ALTER TABLE activation_codes ADD COLUMN replaces_device TEXT REFERENCES devices (device_id);
ALTER TABLE devices ADD COLUMN replaces_device TEXT REFERENCES devices (device_id);
CREATE UNIQUE INDEX devices_by_replaced ON devices (replaces_device)
    WHERE replaces_device IS NOT NULL;
