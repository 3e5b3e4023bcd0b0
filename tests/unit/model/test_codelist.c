/*
 * Unit tests for model/codelist.c, the one code list reader: both formats,
 * the files on which the engine's and the generator's former readers
 * disagreed (each case says what each of them did), every error with its
 * file and line, and allocation failures.
 */
#include "testutil.h"

#include "fault_util.h"

#include <sys/stat.h>

#include "pcn/codelist.h"

static char dir[128];

static int setup(void **state)
{
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)rmdir(dir);
    return 0;
}

/* Write len bytes (NULs allowed) to dir/name; the path goes to path. */
static void write_bytes(char *path, size_t size, const char *name, const char *text, size_t len)
{
    FILE *f;

    assert_true((size_t)snprintf(path, size, "%s/%s", dir, name) < size);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Read text written as dir/name with opts; returns the reader's code. */
static enum pcn_err read_text(struct pcn_codelist *cl, const char *name, const char *text,
                              const struct pcn_codelist_opts *opts, struct pcn_error *e)
{
    char path[256];
    enum pcn_err rc;

    write_bytes(path, sizeof(path), name, text, strlen(text));
    rc = pcn_codelist_read(cl, path, opts, e);
    (void)unlink(path);
    return rc;
}

/* Read text that must give exactly the codes in want ("a b c"), then release. */
static void expect_codes(const char *name, const char *text, const struct pcn_codelist_opts *opts,
                         const char *want)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e = {0};
    char got[512] = "";
    size_t used = 0;

    if (read_text(&cl, name, text, opts, &e) != PCN_OK)
        fail_msg("%s: %s", name, e.msg);
    for (size_t i = 0; i < cl.n; i++)
        used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? " " : "",
                                 cl.entries[i].code);
    assert_string_equal(got, want);
    pcn_codelist_release(&cl);
}

/* Read text that must fail with rc and a message containing want. */
static void expect_error(const char *name, const char *text, const struct pcn_codelist_opts *opts,
                         enum pcn_err rc, const char *want)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e = {0};

    assert_int_equal(read_text(&cl, name, text, opts, &e), rc);
    if (!strstr(e.msg, want))
        fail_msg("message '%s' lacks '%s'", e.msg, want);
    assert_int_equal(cl.n, 0);
    assert_null(cl.entries);
}

static void test_txt(void **state)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e;
    static const char text[] = "# diabetes, from GM SDE\n"
                               "\n"
                               "code\tdescription\n"
                               "44054006\tDiabetes mellitus type 2 \r\n"
                               "  \t  \n"
                               "73211009\tDiabetes mellitus\twith a tab\n"
                               "XaJ4.,CTV3 code, with a comma term\n"
                               "999 spaced term\n"
                               "12345";
    (void)state;
    assert_int_equal(read_text(&cl, "dm.txt", text, NULL, &e), PCN_OK);
    assert_int_equal(cl.n, 5);
    assert_string_equal(cl.entries[0].code, "44054006");
    assert_string_equal(cl.entries[0].term, "Diabetes mellitus type 2");
    assert_string_equal(cl.entries[1].term, "Diabetes mellitus\twith a tab");
    assert_string_equal(cl.entries[2].code, "XaJ4.");
    assert_string_equal(cl.entries[2].term, "CTV3 code, with a comma term");
    assert_string_equal(cl.entries[3].code, "999");
    assert_string_equal(cl.entries[3].term, "spaced term");
    assert_string_equal(cl.entries[4].code, "12345");
    assert_string_equal(cl.entries[4].term, "");
    assert_string_equal(cl.entries[4].extra, "");
    assert_int_equal(cl.n_repeats, 0);
    pcn_codelist_release(&cl);
    assert_int_equal(cl.n, 0);
    pcn_codelist_release(&cl); /* twice is fine */
    pcn_codelist_release(NULL);
    /* the name decides the format, in any case */
    expect_codes("upper.TXT", "1\tone\n2\ttwo\n", NULL, "1 2");
    /* a header is only the first code line; later "code" lines are codes */
    expect_codes("hdr.txt", "# c\n1\tone\ncode\tx\n", NULL, "1 code");
    expect_codes("hdr2.txt", "SNOMED_Code\tTerm\n1\tone\n", NULL, "1");
    /* an empty code before a comma is skipped, as an empty CSV cell */
    expect_codes("comma.txt", ",no code\n1,one\n", NULL, "1");
}

static void test_csv(void **state)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e;
    struct pcn_codelist_opts eth = {NULL, "Ethnicity", "Grouping_16"};
    struct pcn_codelist_opts other = {"Other", NULL, NULL};
    (void)state;
    assert_int_equal(read_text(&cl, "a.csv",
                               "\xEF\xBB\xBF"
                               "code,term\r\n"
                               "\"1\",\"first, quoted\"\r\n"
                               "2,second\r\n",
                               NULL, &e),
                     PCN_OK);
    assert_int_equal(cl.n, 2);
    assert_string_equal(cl.entries[0].code, "1");
    assert_string_equal(cl.entries[0].term, "first, quoted");
    assert_string_equal(cl.entries[1].term, "second");
    pcn_codelist_release(&cl);
    /* the code column: explicit, then "code", then a known name, then the first */
    expect_codes("b.csv", "term,code\nt,1\n", NULL, "1");
    expect_codes("c.csv", "Description,CTV3Code\nt,X1\n", NULL, "X1");
    expect_codes("d.csv", "concept,label\nC1,t\n", NULL, "C1");
    expect_codes("e.csv", "CTV3Code,Other\nBP,HBA1C\n", &other, "HBA1C");
    /* the term column: explicit, then "term", then a known name (not the code column) */
    assert_int_equal(read_text(&cl, "f.csv", "dmd_id,dmd_name\n123,Tablet\n", NULL, &e), PCN_OK);
    assert_string_equal(cl.entries[0].term, "Tablet");
    pcn_codelist_release(&cl);
    assert_int_equal(read_text(&cl, "g.csv", "name\nN1\n", NULL, &e), PCN_OK);
    assert_string_equal(cl.entries[0].code, "N1");
    assert_string_equal(cl.entries[0].term, "");
    pcn_codelist_release(&cl);
    /* an extra column */
    assert_int_equal(read_text(&cl, "eth.csv",
                               "code,Ethnicity,Grouping_16,Grouping_6\n"
                               "976631000000101,British or mixed British,1,1\n"
                               "92421000000107,Irish\n",
                               &eth, &e),
                     PCN_OK);
    assert_int_equal(cl.n, 2);
    assert_string_equal(cl.entries[0].term, "British or mixed British");
    assert_string_equal(cl.entries[0].extra, "1");
    assert_string_equal(cl.entries[1].extra, ""); /* a short record */
    pcn_codelist_release(&cl);
}

/*
 * Files on which the two former readers disagreed: engine/parse.c
 * (load_codelist_txt/_csv) and synth/refdata.c (load_txt_list/_csv_list).
 */
static void test_former_disagreements(void **state)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e;
    char longline[6000];
    (void)state;
    /* a byte order mark: the engine read "\xEF\xBB\xBF1" as the code, the generator skipped the
     * line */
    expect_codes("bom.txt",
                 "\xEF\xBB\xBF"
                 "1\tone\n2\ttwo\n",
                 NULL, "1 2");
    /* a stray tab before the code: the engine skipped the line, the generator read it */
    expect_codes("tab.txt", "\t1\tone\n2\ttwo\n\t\n", NULL, "1 2");
    /* a header line: the engine read "code" as a code, the generator skipped it */
    expect_codes("header.txt", "code\tterm\n1\tone\n", NULL, "1");
    /* a bare code or "code term": the engine read it, the generator needed a tab */
    expect_codes("bare.txt", "1\n2 two\n", NULL, "1 2");
    /* a code not starting with a digit (CTV3): the engine read it, the generator skipped it */
    expect_codes("ctv3.txt", "XaJ4.\tterm\nG30..\tMI\n", NULL, "XaJ4. G30..");
    /* a comment: the engine read "#" as a code, the generator skipped it */
    expect_codes("comment.txt", "# from GM SDE\n1\tone\n", NULL, "1");
    /* a line over 4 KiB: the generator's fgets cut it and read its tail as another line */
    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "1\t", 2);
    memcpy(longline + 4094, "\t77\t", 4);
    memcpy(longline + sizeof(longline) - 4, "\n2\n", 4);
    expect_codes("long.txt", longline, NULL, "1 2");
    /* no "code" column: the engine took a known name, the generator refused the file */
    expect_codes("ctv3.csv", "CTV3ID,Description\nX1,term\n", NULL, "X1");
    /* blanks around a code: the engine trimmed them, the generator kept them */
    expect_codes("blank.csv", "code,term\n 1 ,one\n\t2,two\n", NULL, "1 2");
    /* an empty code cell: the engine skipped it, the generator listed "" */
    expect_codes("empty.csv", "code,term\n,none\n1,one\n", NULL, "1");
    /* a repeated code: both listed it twice (so the generator drew it twice as often) */
    assert_int_equal(read_text(&cl, "rep.txt", "1\tone\n2\ttwo\n1\tagain\n", NULL, &e), PCN_OK);
    assert_int_equal(cl.n, 2);
    assert_int_equal(cl.n_repeats, 1);
    assert_string_equal(cl.entries[0].term, "one");
    pcn_codelist_release(&cl);
}

static void test_errors(void **state)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e;
    char path[256], code[200];
    struct pcn_codelist_opts col = {"Other", NULL, NULL};
    (void)state;
    assert_int_equal(pcn_codelist_read(&cl, "/nonexistent/x.csv", NULL, &e), PCN_ENOTFOUND);
    assert_string_equal(e.msg,
                        "/nonexistent/x.csv: cannot open code list: No such file or directory");
    assert_int_equal(pcn_codelist_read(&cl, dir, NULL, &e), PCN_EIO);
    assert_non_null(strstr(e.msg, "cannot open code list: is a directory"));
    expect_error("empty.csv", "", NULL, PCN_EPARSE, "empty.csv: no codes in the code list");
    expect_error("header.csv", "code,term\n", NULL, PCN_EPARSE, "no codes");
    expect_error("blank.csv", "code,term\n,x\n", NULL, PCN_EPARSE, "no codes");
    expect_error("comments.txt", "# nothing\n\ncode\tterm\n", NULL, PCN_EPARSE, "no codes");
    expect_error("col.csv", "code,term\n1,x\n", &col, PCN_EINVAL, "col.csv:1: no column 'Other'");
    expect_error("col.txt", "1\tx\n", &col, PCN_EINVAL, "a .txt code list has no named columns");
    expect_error("quote.csv", "code\n\"1\n", NULL, PCN_EPARSE, "quote.csv:2:");
    expect_error("utf8.txt", "1\tok\n2\t\xC3\x28\n", NULL, PCN_EPARSE,
                 "utf8.txt:2: not valid UTF-8");
    expect_error("utf8.csv", "code,term\n1,\xC3\x28\n", NULL, PCN_EPARSE, "utf8.csv:2:");
    expect_error("space.csv", "code\n\"1 2\"\n", NULL, PCN_EPARSE,
                 "space.csv:2: code with a character");
    expect_error("ctl.txt", "1\n\x01\x02\n", NULL, PCN_EPARSE, "ctl.txt:2: code with a character");
    expect_error("utf8code.txt", "caf\xC3\xA9\tx\n", NULL, PCN_EPARSE, "utf8code.txt:1: code with");
    memset(code, '7', sizeof(code) - 1);
    code[sizeof(code) - 1] = '\0';
    expect_error("long.txt", code, NULL, PCN_EPARSE, "long.txt:1: code longer than 128 bytes");
    code[128] = '\0';
    expect_codes("max.txt", code, NULL, code);
    write_bytes(path, sizeof(path), "nul.txt", "1\n2\0x\n", 6);
    assert_int_equal(pcn_codelist_read(&cl, path, NULL, &e), PCN_EPARSE);
    assert_non_null(strstr(e.msg, "nul.txt:2: not valid UTF-8 text"));
    (void)unlink(path);
    /* a list must be empty to read into */
    assert_int_equal(read_text(&cl, "ok.txt", "1\n", NULL, &e), PCN_OK);
    assert_int_equal(read_text(&cl, "ok.txt", "2\n", NULL, &e), PCN_EINVAL);
    assert_int_equal(cl.n, 1);
    pcn_codelist_release(&cl);
    assert_int_equal(pcn_codelist_read(&cl, NULL, NULL, &e), PCN_EINVAL);
}

static void test_too_large(void **state)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_error e;
    char path[256];
    FILE *f;
    (void)state;
    /* a sparse file just over the limit: refused by its size, before reading */
    assert_true((size_t)snprintf(path, sizeof(path), "%s/huge.txt", dir) < sizeof(path));
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)PCN_CODELIST_FILE_MAX, SEEK_SET), 0);
    assert_int_equal(fputc('\n', f), '\n');
    assert_int_equal(fclose(f), 0);
    assert_int_equal(pcn_codelist_read(&cl, path, NULL, &e), PCN_ELIMIT);
    assert_non_null(strstr(e.msg, "huge.txt: code list larger than 64 MiB"));
    (void)unlink(path);
}

static char fault_txt[256], fault_csv[256];

static void scenario_read(void)
{
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    struct pcn_codelist_opts opts = {NULL, NULL, "extra"};
    struct pcn_error e;

    (void)pcn_codelist_read(&cl, fault_txt, NULL, &e);
    pcn_codelist_release(&cl);
    (void)pcn_codelist_read(&cl, fault_csv, &opts, &e);
    pcn_codelist_release(&cl);
}

static void test_fault(void **state)
{
    char text[8192];
    size_t used = 0;
    (void)state;
    fault_require_injection();
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%d\tterm %d\n", i % 250, i);
    write_bytes(fault_txt, sizeof(fault_txt), "f.txt", text, used);
    used = (size_t)snprintf(text, sizeof(text), "code,term,extra\n1,a,x\n2,b,y\n1,c,z\n");
    write_bytes(fault_csv, sizeof(fault_csv), "f.csv", text, used);
    assert_true(fault_torture(scenario_read) > 5);
    (void)unlink(fault_txt);
    (void)unlink(fault_csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txt),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_former_disagreements),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_fault),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
