// GET /api/logisticsSync/shipping/v1.0/companies({id})/salesInvoiceOrders('{number}') (read-only; 404 for no such posted
// invoice): the order a posted invoice bills — its Order No., or the order it re-bills (codeunit 50105).
page 50105 "LSYNC Sales Invoice Orders API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'salesInvoiceOrder';
    EntitySetName = 'salesInvoiceOrders';
    SourceTable = "Sales Invoice Header";
    ODataKeyFields = "No.";
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
                field(number; Rec."No.") { }
                field(orderNo; Rec."Order No.") { }
                field(sourceOrderNo; Rec."LSYNC Source Order No.") { }
            }
        }
    }
}
