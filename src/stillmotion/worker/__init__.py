"""The worker role: engines, the task runner, and the chores that keep the queue honest."""
