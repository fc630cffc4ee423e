// Products and try-on: the catalog, its import, the show queue, fit and models.
export { ProductCatalog, type ProductCatalogOptions } from './product-catalog';
