"""GitHub's REST API: one client shape and one retry budget (`client`), the repository
facts the metadata engine reads (`facts`), the sticky comment (`comment`), the check run
and the code scanning upload (`checks`). Every request goes through `client.Retrier`."""
