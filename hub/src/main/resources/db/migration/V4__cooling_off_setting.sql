-- The cooling-off period the owner chose (as the device confirmed it); null = the device's default (72 h).
alter table devices add column cooling_off_seconds bigint;
