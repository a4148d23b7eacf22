-- Web Push (docs/notifications.md). One subscription per browser client: it goes with the client (revoked,
-- account deleted) through the cascade, and with a removed member through the push package's listener.
-- The endpoint is the push service's capability URL; the keys are the browser's public p256dh point and its
-- auth secret (base64url), which only encrypt messages to that browser.
create table push_subscriptions (
    client_id  text primary key references member_clients (id) on delete cascade,
    endpoint   text not null check (length(endpoint) <= 1024),
    p256dh     text not null,
    auth       text not null,
    updated_at timestamptz not null
);

-- Each account's choice of optional pushes; motion is off until the member turns it on.
create table push_preferences (
    account_id text primary key references accounts (id) on delete cascade,
    motion     boolean not null default false
);
