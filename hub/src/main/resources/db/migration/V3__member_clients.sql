-- Each browser (or phone) a member uses has its own keys, made by WebCrypto in that browser and never
-- exportable. The hub keeps only the public halves.
create table member_clients (
    id                      text primary key,
    account_id              text not null references accounts (id) on delete cascade,
    signing_key             text not null,
    agreement_key           text not null,
    signing_key_fingerprint text not null unique,
    label                   text not null,
    created_at              timestamptz not null
);
create index member_clients_account on member_clients (account_id);
