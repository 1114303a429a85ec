// GET /api/logisticsSync/shipping/v1.0/companies({id})/salesCreditMemoLineOrders?$filter=documentNo eq '{number}'
// (read-only): a posted credit memo's lines with the sales order and the posted invoice each credits (fields 50105 and
// 50106, stamped by codeunit 50105 when Copy Document copies a posted invoice line into a credit memo or a return
// order), which API v2.0's salesCreditMemoLines do not serve: a credit memo for part of an invoice of several orders
// is told apart by order, and one applied to no invoice still names its order and invoice.
page 50107 "LSYNC Cr.Memo Line Orders API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'salesCreditMemoLineOrder';
    EntitySetName = 'salesCreditMemoLineOrders';
    SourceTable = "Sales Cr.Memo Line";
    ODataKeyFields = SystemId;
    Editable = false;
    InsertAllowed = false;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(id; Rec.SystemId) { }
                field(documentNo; Rec."Document No.") { }
                field(lineNo; Rec."Line No.") { }
                field(sourceOrderNo; Rec."LSYNC Source Order No.") { }
                field(sourceInvoiceNo; Rec."LSYNC Source Invoice No.") { }
                field(amount; Rec.Amount) { }
                field(amountIncludingVat; Rec."Amount Including VAT") { }
            }
        }
    }
}
