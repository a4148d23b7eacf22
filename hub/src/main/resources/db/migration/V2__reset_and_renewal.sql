-- Physical reset with cooling-off (the device is authoritative; the hub mirrors what it reports) and
-- short-lived operational certificates renewed over the link.
alter table devices add column reset_pending_until timestamptz;
alter table devices add column reset_veto_requested_at timestamptz;
-- The certificate before the last renewal stays good until the device first uses the new one, so a renewal
-- the device never stored cannot lock it out.
alter table devices add column previous_certificate_serial text;
