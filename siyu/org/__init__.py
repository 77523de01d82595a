"""The org tree: group → brand → branch company → store → staff, and who sees what.

One deployment serves one group. Every staff member logs in as a Django user and has one
role placed at one node of the tree; `siyu.org.scope` turns that into the part of the tree
the person may see, and every page and API query passes through `scope.scoped()`.
"""
