-- Sealed snapshots and clips of events (docs/media.md "Event media"). The bytes are in the blob store; this is
-- what points at them. Deleting the event (or its device, or household) removes the row; the service removes
-- the blob first.
create table event_media (
    device_id  text    not null,
    event_id   text    not null,
    kind       text    not null check (kind in ('snapshot', 'clip')),
    blob_id    text    not null unique,
    epoch      bigint  not null,
    bytes      integer not null,
    stored_at  timestamptz not null,
    primary key (device_id, event_id, kind),
    foreign key (device_id, event_id) references events (device_id, id) on delete cascade
);

-- A browser needs the key of the epoch an old snapshot was sealed in: keep every epoch's envelope.
alter table media_keys drop constraint media_keys_pkey;
alter table media_keys add primary key (device_id, client_id, epoch);

-- How long a household keeps its events, snapshots and clips.
alter table households add column retention_days integer not null default 30
    check (retention_days between 1 and 365);
