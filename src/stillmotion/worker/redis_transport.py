"""kombu's Redis transport, with a channel that closes completely when the broker has gone away.

Why: kombu's `Channel.close` first reads the reply of the BRPOP it has outstanding. When Redis
went away that read raises a connection error, and the close stops half way: the channel stays
open. Celery 5.7's reconnect path (`on_connection_error_after_connected`) then collects the
connection, which detaches its transport, and closes it once more. That second close tries to put
the unacknowledged messages back through the detached transport, fails with "AttributeError:
'NoneType' object has no attribute 'hostname'", and since that is no connection error the worker
stops with "Unrecoverable error" instead of reconnecting. Here a reply that cannot be read is
simply given up and the close goes on (the unacknowledged messages stay in Redis's unacked set,
which kombu restores after the visibility timeout), so Celery reconnects as it is meant to.

Used for `redis://` broker URLs (see `celery_app.py`); other schemes keep kombu's own transport.
"""

from __future__ import annotations

from queue import Empty

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()  # resets _in_poll whatever happens
            except (Empty, *self.connection.connection_errors):
                pass  # no reply to read: the broker is gone, and the message (if any) stays in Redis
        super().close()


class Transport(redis.Transport):
    Channel = Channel
