"""Full-text search of stories: folded text (`text`), the engines' own indexes kept in step
with every write (`index`), ranked and filtered queries with facets (`service`), the page."""
