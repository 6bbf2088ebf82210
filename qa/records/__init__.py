"""The records that cross layers: Hit and Filters (retrieval), Question (analysed once),
Answer, Delta and Turn (answers and their streamed parts)."""
