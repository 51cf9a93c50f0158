"""Page types: the Tân Dân platform's article pages (``tandan``), listing and home pages
(``listing``) and articles of other CMSs (``generic``)."""
