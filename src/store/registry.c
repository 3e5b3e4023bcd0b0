/*
 * registry.c - the registry domain's public calls (pcn/store_registry.h),
 * forwarded to the backend's registry table. Writes are refused outside a
 * transaction here, once for every backend.
 */
#include "pcn/store_registry.h"

#include "store/registry_int.h"

const struct pcn__store_domain pcn__store_registry = {"registry"};

/* The backend's table; NULL (message set) if it has no registry. */
static const struct pcn__store_registry_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_registry);
}

enum pcn_err pcn_store_put_network(struct pcn_store *s, const struct pcn_network *n)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_network(s, n)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_practice(struct pcn_store *s, const struct pcn_practice *p)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_practice(s, p)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                   void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->get_network(s, code, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_network(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                    void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->get_practice(s, code, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_practice(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_membership(struct pcn_store *s, const struct pcn_membership *m)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->add_membership(s, m)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_end_membership(struct pcn_store *s, const char *practice, int32_t end_date)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->end_membership(s, practice, end_date)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_membership(struct pcn_store *s, const char *practice,
                                       pcn_membership_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_membership(s, practice, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_network_membership(struct pcn_store *s, const char *network,
                                               pcn_membership_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_network_membership(s, network, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->add_site(s, site, ret_id)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_site(s, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_list_size(struct pcn_store *s, const struct pcn_list_size *l)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_list_size(s, l)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                    int64_t *ret_patients, int32_t *ret_date)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->list_size_at(s, practice, date, ret_patients, ret_date) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_list_band(struct pcn_store *s, const struct pcn_list_band *b)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->put_list_band(s, b)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                      pcn_list_band_fn fn, void *ud)
{
    const struct pcn__store_registry_ops *o = ops(s);

    return o ? o->each_list_band(s, practice, date, fn, ud) : PCN_ESTORAGE;
}
