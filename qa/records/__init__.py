"""The records that cross layers: a retrieved passage (Hit), what a search may be
restricted to (Filters), an answer and its streamed parts (Answer, Delta, Turn).
"""
