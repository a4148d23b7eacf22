-- Per-doorbell settings (docs/web-app.md "Doorbell settings"). motion_setting is the owner's signed motion
-- setting as the doorbell confirmed it (MotionSetting's one spelling, e.g. 'on;0,6,16,6'); null = never set.
-- retention_days overrides the household's retention for this doorbell's history; null = the household's.
alter table devices add column motion_setting text check (length(motion_setting) <= 160);
alter table devices add column retention_days integer check (retention_days between 1 and 365);

-- A member's doorbells whose rings and motion do not push their browsers (the doorbell settings' "how you hear
-- about it"); security alerts still do. No row: every doorbell they may use pushes.
create table push_muted_doorbells (
    account_id text not null references accounts (id) on delete cascade,
    device_id  text not null references devices (id) on delete cascade,
    primary key (account_id, device_id)
);
