-- The doorbell in the home's automations (docs/integrations.md): a household's MQTT broker (Home Assistant), each
-- member's ntfy topic, and which doorbells ring a member there. Secrets are sealed by the hub (AES-GCM under a key
-- file in its data directory), so the database alone reveals none of them.

-- One MQTT broker per household, set by an owner or admin. topic_id is random and is the only id in its topics.
create table mqtt_integrations (
    household_id      text primary key references households (id) on delete cascade,
    topic_id          text not null unique,
    host              text not null,
    port              integer not null check (port between 1 and 65535),
    username          text,
    password_sealed   text,
    broker_ca_pem     text,
    client_cert_pem   text,
    client_key_sealed text,
    updated_at        timestamptz not null
);

-- Each doorbell's random key in its MQTT topics and Home Assistant ids (never its device id or serial).
create table mqtt_doorbells (
    device_id    text primary key references devices (id) on delete cascade,
    household_id text not null references mqtt_integrations (household_id) on delete cascade,
    topic_key    text not null unique
);

-- A member's ntfy (or UnifiedPush-style) topic in one household. The URL names the topic, which is its secret.
-- doorbells: the ones that ring the member there; null for every doorbell they may use. Leaving the household
-- removes it.
create table ntfy_topics (
    household_id text not null,
    account_id   text not null,
    url_sealed   text not null,
    url_host     text not null,
    doorbells    text[],
    updated_at   timestamptz not null,
    primary key (household_id, account_id),
    foreign key (household_id, account_id) references memberships (household_id, account_id) on delete cascade
);
