-- Prosody for bench/xmpp_load.py ($$-placeholders filled in by bench/xmpp_peers.py).
-- Its fastest setting for the benchmark: plain TCP on loopback with PLAIN allowed,
-- plaintext password storage, no archive (mod_mam not loaded), warnings only in the log.
daemonize = false
run_as_root = true
pidfile = "$root/prosody.pid"
data_path = "$root/data"
log = { warn = "$root/prosody.log" }
network_backend = "epoll"

modules_enabled = { "roster", "saslauth", "disco", "ping", "register", "posix" }
modules_disabled = { "s2s", "offline" }

c2s_ports = { $port }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true

authentication = "internal_plain"
storage = "internal"
allow_registration = true
registration_whitelist = { "127.0.0.1" }
min_seconds_between_registrations = 0

VirtualHost "$domain"

Component "conference.$domain" "muc"
    muc_room_locking = false
    max_history_messages = 0
    muc_room_default_history_length = 0
    muc_room_default_public = true
