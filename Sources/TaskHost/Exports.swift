// Programs embedding TaskHost use TaskKit's types (ParameterValue, Backoff, TaskStatus...) too.
@_exported import TaskKit
